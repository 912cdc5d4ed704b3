"""Classroom mode: display names, the instructor's token, challenges with enforced rules, scores.

Nothing here imports Streamlit or TensorFlow. `room.Classroom` is the one object the UI holds.
"""
