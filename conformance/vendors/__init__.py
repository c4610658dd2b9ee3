"""One package per vendor: its scenarios, scenario context, target data and checks."""
