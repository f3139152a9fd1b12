"""Challenge data: the shard format, synthetic datasets, structural verification and pinned downloads.

Modules (ENVIRONMENT.md §2):
    shards  read/write the 1,024-byte-header uint16 shard format, memory-mapped
    synth   a small deterministic dataset in the real layout, for tests and CPU runs
    verify  structural and identity checks of a dataset directory (§2.4)
    fetch   pinned, hash-checked downloads from the Hugging Face Hub (§2.1, lock file)
"""
