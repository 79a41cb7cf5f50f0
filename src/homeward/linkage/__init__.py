"""Record linkage: which records, across agencies, are the same child.

- `persons`: synthetic council and police person records with the truth (for measuring).
- `engine`: the Splink 5 / DuckDB person-linkage model (train, predict, explain).
- `files`: analysts' linking of two CSV person lists (`homeward link-files`).
- `bench`: precision, recall, F1, time and memory of person linkage against the truth.

Nothing here imports Django models, so commands and benchmarks can use it directly.
"""
