from mock_server.cli import main

raise SystemExit(main(prog="python -m mock_server"))
