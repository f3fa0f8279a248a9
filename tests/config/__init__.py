"""Region files, care types, the shared field checker, the ops files and the command line."""
