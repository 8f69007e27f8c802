"""The work that the commands (runner.commands) and the main job (runner.main_job) share, one stage per module.

    data     the raw files: generate a synthetic month, or check that the raw files are there
    build    `dbt build` on the raw files
    score    score a run's predictions and append its experiments row
    submit   write and check a run's submission file

Each function takes typed arguments. The modules import downwards only (runner.dbt, runner.scoring, ...), never
runner.cli, runner.commands or runner.main_job; heavy libraries are imported inside the functions, so that
importing a stage costs nothing until it runs.
"""
