"""Record linkage: which records, across agencies, are the same child.

- `persons`: synthetic council and police person records with the truth (for measuring).
- `engine`: the Splink 5 / DuckDB person-linkage model (train, predict, explain).
- `files`: analysts' linking of two CSV person lists (`homeward link-files`).
The benchmarks that measure it (precision, recall, F1, time and memory against the truth) live in
`homeward.benchmarks` (linkage_persons, linkage_world, linkage_baseline).

Nothing here imports Django models, so commands and benchmarks can use it directly.
"""
