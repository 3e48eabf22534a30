"""What both the tests and the benchmark need: the real server started as `make run` starts it
(server.py), and the document's original unguarded app as their control (naive_app.py)."""
