"""Entry point of the Streamlit app: page setup and routing only (``streamlit run dashboards/app.py``)."""

from __future__ import annotations

import streamlit as st

from dashboards.sign_in import require_district_reader

st.set_page_config(
    page_title="静安区互联网运营监管平台",
    page_icon="🏥",
    layout="wide",
    initial_sidebar_state="collapsed",
)

# Same accounts as the API: nothing is shown before a district-level reader has signed in.
if require_district_reader() is None:
    st.stop()

# The wall screen is one page today; drill-down pages join this list as they are built.
pages = [st.Page("app_pages/big_screen.py", title="运营监管大屏", url_path="screen", default=True)]
st.navigation(pages, position="hidden").run()
