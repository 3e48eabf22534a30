"""`make bench` (`python -m bench.run`): the real server under wrk load, figures against targets,
written to bench/results.json. store.py seeds and checks the SQLite file on its own, wrk.py
drives the load, tune.py chose the gunicorn defaults, gate_race.py reproduces a fixed race.
The server is started by harness.server, as the e2e tests start it."""
