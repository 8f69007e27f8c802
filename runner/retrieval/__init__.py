"""The two-tower retrieval stage: train a DSSM or MIND experiment on the retrieval exports, export its user and
item towers, embed every user and every P item of a cutoff, and retrieve each user's top-N items.

    python -m runner retrieve --config stage1_dssm_v1 [--top-n 200] [--benchmark]

Modules (imports go down this list only):
    runfolder   the two-tower run folder: export/{user,item}/, embeddings/, retrieved/
    session     the steps (train, export, embed_<side>_<split>, retrieve_<split>) on runner.tzrec.steps' planning
    command     the `retrieve` command and its --benchmark table

The retrieval itself runs in the tzrec interpreter (runner/tzrec_shims/tzrec_runner_retrieve.py). The exports
are dbt models (models_sql/retrieval); the guide: docs/guide/models.md#two-tower-retrieval.
"""
