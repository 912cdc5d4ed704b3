"""mnist-dash: the router. Pages live in pages/; everything that computes lives in mnist_dash/."""

import streamlit as st

from mnist_dash import ui

st.set_page_config(page_title="mnist-dash", page_icon=":material/pin:", layout="wide")

navigation = st.navigation(
    [
        st.Page(ui.PAGES["explore"], title="Explore the data", icon=":material/image_search:", default=True),
        st.Page(ui.PAGES["train"], title="Train live", icon=":material/model_training:"),
        st.Page(ui.PAGES["evaluate"], title="Evaluate", icon=":material/fact_check:"),
    ]
)
ui.owner_id()
ui.sidebar()
navigation.run()
