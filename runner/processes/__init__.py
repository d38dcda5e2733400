"""The processes the runner owns: process groups, the reaper, the signals that end a run."""
