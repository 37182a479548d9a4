"""Who may change what every visitor sees: writing the shared store from the web is the operator's.

An upload stays in the visitor's own session. Writing the one local store that every session
reads (*Save to local store*, *Refresh from UN Comtrade*) needs the operator's token:
``admin_token = "..."`` in ``.streamlit/secrets.toml``, entered once per browser session in a
password box and compared in constant time. Without a token configured, web writes are off and
the page gives the command-line way instead. :func:`operator_gate` stands in front of each such
button.
"""

from __future__ import annotations

import hmac

import streamlit as st

SECRET_NAME = "admin_token"
# The token the visitor entered, kept for the session and compared again on every use (so a
# token removed or changed in secrets.toml stops working at once).
_ENTERED_KEY = "_operator_token"

ENABLE_HINT = (
    f'To allow it from this page, the operator sets `{SECRET_NAME} = "..."` (a long random '
    "string) in `.streamlit/secrets.toml` next to the app and enters it here."
)


def admin_token() -> str | None:
    """The operator's token from Streamlit secrets; None (web writes off) when not set."""
    try:
        token = st.secrets.get(SECRET_NAME)
    except (FileNotFoundError, KeyError, OSError):
        return None
    return str(token) if token else None


def _matches(entered: object, token: str) -> bool:
    # Bytes, because compare_digest refuses non-ASCII str; constant time either way.
    return hmac.compare_digest(str(entered).encode(), token.encode())


def is_operator() -> bool:
    """True if this session entered the configured token."""
    token = admin_token()
    entered = st.session_state.get(_ENTERED_KEY)
    return token is not None and entered is not None and _matches(entered, token)


def _sign_in(widget_key: str) -> None:
    st.session_state[_ENTERED_KEY] = st.session_state.get(widget_key) or None


def operator_gate(action: str, command: str | None, key: str) -> bool:
    """True if this session may ``action`` (e.g. "save to the shared store"); otherwise say why.

    Visitors see, instead of the button, that only the operator can do this, the command-line
    way (``command``, if there is one) and how web writes are enabled; when a token is
    configured, a password box to enter it. ``key`` names this gate's box (one per gate).
    """
    if is_operator():
        return True
    token = admin_token()
    way = f" from the command line: `{command}`" if command else ""
    with st.container(border=True):
        st.markdown(
            f":material/lock: **Only the operator can {action}**{way}. It changes what every "
            "visitor sees."
        )
        if token is None:
            # Markdown, not a caption: inline code in a faded caption falls below 4.5:1
            # contrast (axe-core flags it on the What is traded page's fetch).
            st.markdown(f"Writing from this page is off. {ENABLE_HINT}")
            return False
        box = f"operator_token_{key}"
        st.text_input(
            "Operator token",
            type="password",
            key=box,
            on_change=_sign_in,
            args=(box,),
            help="Set as admin_token in .streamlit/secrets.toml on the server.",
        )
        if st.session_state.get(_ENTERED_KEY) is not None:
            st.error("That is not the operator's token.", icon=":material/key_off:")
    return False
