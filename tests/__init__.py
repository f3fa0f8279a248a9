"""zcc's test suite: one subpackage per feature, shared helpers at this level (see the README's layout table)."""
