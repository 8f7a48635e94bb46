"""Params profiles: turned into a `dvc exp run` command, refused on a key params.yaml does not have,
and the documented ~100M profile really is a ~100M-parameter proxy."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from codeprep.cli import main as cli
from codeprep.profile import exp_run_command, overrides

PROJECT = Path(__file__).resolve().parents[1]


def test_profile_becomes_a_dvc_exp_run_command(tmp_path: Path) -> None:
    (tmp_path / "params.yaml").write_text(
        yaml.safe_dump({"train_proxy": {"seeds": [0], "lr": 0.1}, "mix": {}})
    )
    (tmp_path / "p.yaml").write_text("train_proxy:\n  seeds: [3, 4]\n  lr: 0.5\n")
    command = exp_run_command(tmp_path / "p.yaml", tmp_path / "params.yaml")
    assert command == ["dvc", "exp", "run", "-S", "train_proxy.seeds=[3, 4]", "-S", "train_proxy.lr=0.5"]
    (tmp_path / "typo.yaml").write_text(yaml.safe_dump({"train_proxy": {"learning_rate": 0.5}}))
    with pytest.raises(ValueError, match=r"\['train_proxy.learning_rate'\] are not keys"):
        overrides(tmp_path / "typo.yaml", tmp_path / "params.yaml")
    result = CliRunner().invoke(
        cli, ["profile", str(tmp_path / "p.yaml"), "--params", str(tmp_path / "params.yaml"), "-n", "x"]
    )
    assert result.exit_code == 0 and result.output.strip().endswith(
        "'train_proxy.seeds=[3, 4]' -S train_proxy.lr=0.5 -n x"
    )


def test_the_100m_profile_is_a_100m_proxy() -> None:
    import torch

    from codeprep.model.params import ProxyParams
    from codeprep.model.train import build_model

    values = overrides(PROJECT / "profiles" / "proxy-100m.yaml", PROJECT / "params.yaml")
    section = yaml.safe_load((PROJECT / "params.yaml").read_text())["train_proxy"]
    section |= {k.split(".", 1)[1]: v for k, v in values.items() if k.startswith("train_proxy.")}
    params = ProxyParams.from_params(section)
    with torch.device("meta"):
        model = build_model(params, values["tokenize.vocab_size"], 0, 1)
    count = sum(p.numel() for p in model.parameters())
    assert 90e6 < count < 110e6 and params.device == "cuda" and len(params.seeds) >= 3
    assert params.token_budget >= 1e9 and params.num_heads // params.num_kv_heads == 8
