"""The floor this stack allows: a bare Streamlit page drawing one plotly chart, no warehouse, no filters.

Served by the benchmark next to the dashboard (`streamlit run bench/bare_app.py`); the Overview's charts
are timed against this page's first chart.
"""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

x = np.arange(2000)
y = np.cumsum(np.random.default_rng(0).poisson(5, len(x)))
st.plotly_chart(go.Figure(go.Scatter(x=x, y=y, mode="lines")), config={"displaylogo": False})
