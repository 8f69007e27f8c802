"""The run folder of a two-tower experiment, `outputs/<name>/`: the ranking run folder's layout (runner.tzrec.runfolder)
with two towers and the retrieval's outputs.

    outputs/<name>/
        pipeline.config, model/, logs/     as a ranking run's
        export/user/, export/item/         each tower as TorchScript (scripted_model.pt, pipeline.config, ...)
        embeddings/user_<split>/           part-<rank>.parquet: user_tower_emb, user_id, cutoff_date
        embeddings/item_<split>/           part-<rank>.parquet: item_tower_emb, item_id, cutoff_date
        retrieved/<split>/part-0.parquet   user_id, item_id, cutoff_date, recall_score, recall_rank, retriever
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from runner.tzrec.runfolder import RunFolder

SIDES = ("user", "item")


def step_parts(step: str) -> tuple[str, str | None, str | None]:
    """(kind, side, split) of a step: ("embed", "user", "eval") for embed_user_eval, ("retrieve", None, "eval")
    for retrieve_eval, (step, None, None) for the others."""
    parts = step.split("_", 2)
    if parts[0] == "embed" and len(parts) == 3 and parts[1] in SIDES:
        return "embed", parts[1], parts[2]
    if parts[0] == "retrieve" and len(parts) >= 2:
        return "retrieve", None, step.removeprefix("retrieve_")
    return step, None, None


@dataclass(frozen=True)
class TwoTowerRunFolder(RunFolder):
    def tower_dir(self, side: str) -> Path:
        """A tower's TorchScript export (tzrec names them after the towers: user_tower -> export/user/)."""
        return self.export_dir / side

    def embeddings_dir(self, side: str, split: str) -> Path:
        return self.root / "embeddings" / f"{side}_{split}"

    def embedding_files(self, side: str, split: str) -> list[Path]:
        return sorted(self.embeddings_dir(side, split).glob("*.parquet"))

    def retrieved_file(self, split: str) -> Path:
        return self.root / "retrieved" / split / "part-0.parquet"

    def outputs_present(self, step: str) -> bool:
        kind, side, split = step_parts(step)
        if kind == "export":
            return all((self.tower_dir(s) / name).is_file() for s in SIDES
                       for name in ("scripted_model.pt", "pipeline.config"))
        if kind == "embed" and side and split:
            return bool(self.embedding_files(side, split))
        if kind == "retrieve" and split:
            return self.retrieved_file(split).is_file()
        return super().outputs_present(step)

    def remove_outputs(self, step: str) -> None:
        kind, side, split = step_parts(step)
        if kind == "embed" and side and split:
            shutil.rmtree(self.embeddings_dir(side, split), ignore_errors=True)
        elif kind == "retrieve" and split:
            shutil.rmtree(self.retrieved_file(split).parent, ignore_errors=True)
        else:
            super().remove_outputs(step)
            return
        self.record_path(step).unlink(missing_ok=True)
