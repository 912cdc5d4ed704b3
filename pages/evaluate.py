"""Train live (placeholder until the form lands)."""
import streamlit as st
st.title("Train")
