"""What frontend teams generate from each contract compiles under `tsc --strict`, and the generated
clients' flows (examples/) run against the bundled mock.

Every contract in contracts/*.yaml is taken, so a new contract joins by itself; a tool that cannot
serve one is declared, with its reason, in limits.py. Flows are optional per contract: where
examples/typescript/<contract>.ts or examples/python/<contract>.py exists it must run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import BUILD, REPO, TOOLS_PYTHON, contract_files, run
from limits import unsupported

from mock_server.testing import running_mock
from storefront_kit import registry

CONTRACTS = contract_files()
EXAMPLES = REPO / "examples"
ORVAL_CLIENTS = ("fetch", "axios", "zod")
TSCONFIG = {
    "compilerOptions": {
        "strict": True,
        "target": "ES2022",
        "module": "ES2022",
        "moduleResolution": "Bundler",
        "lib": ["ES2022", "DOM"],
        "skipLibCheck": True,
        "noUnusedLocals": False,
    },
}


def _module_name(schema: str) -> str:
    """The module openapi-python-client writes a components schema to (`ErrorDetail`: error_detail)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", schema).lower()


def _schemas_of(raw: dict[str, Any], name: str) -> set[str]:
    """`name` and the components schemas its schema refers to, at any depth."""
    found = {name}
    for ref in re.findall(r"#/components/schemas/(\w+)", json.dumps(raw["components"]["schemas"][name])):
        if ref not in found:
            found |= _schemas_of(raw, ref)
    return found


def _error_schemas(raw: dict[str, Any]) -> set[str]:
    """The components schemas error answers (4xx, 5xx) refer to, at any depth."""
    responses = raw.get("components", {}).get("responses", {})
    found: set[str] = set()
    for item in raw["paths"].values():
        for operation in item.values():
            for status, response in operation.get("responses", {}).items():
                if str(status)[0] not in "45":
                    continue
                ref = response.get("$ref", "")
                answer = responses.get(ref.rsplit("/", 1)[-1], {}) if ref else response
                for name in re.findall(r"#/components/schemas/(\w+)", json.dumps(answer)):
                    found |= _schemas_of(raw, name)
    return found


def _fresh(*parts: str) -> Path:
    folder = BUILD.joinpath(*parts)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def _skip_if_unsupported(tool: str, contract: str) -> None:
    reason = unsupported(tool, contract)
    if reason:
        pytest.skip(f"{tool} on {contract}: {reason}")


def _tsconfig(folder: Path, include: list[str], emit: bool) -> None:
    options = {**TSCONFIG["compilerOptions"], **({"outDir": "js"} if emit else {"noEmit": True})}
    (folder / "tsconfig.json").write_text(json.dumps({"compilerOptions": options, "include": include}))


@pytest.mark.timeout(300)
@pytest.mark.parametrize("contract", sorted(CONTRACTS))
def test_openapi_typescript_types_compile_and_the_flow_runs(tools: Path, contract: str) -> None:
    _skip_if_unsupported("openapi-typescript", contract)
    folder = _fresh(contract, "openapi-typescript")
    # From its own folder: openapi-typescript would read the project's redocly.yaml in the root.
    run([tools / "openapi-typescript", CONTRACTS[contract], "-o", folder / "api.d.ts"], cwd=folder)
    flow = EXAMPLES / "typescript" / f"{contract}.ts"
    if flow.exists():
        shutil.copy(flow, folder / "flow.ts")
    else:
        (folder / "flow.ts").write_text('import type { paths } from "./api";\nexport type Paths = keyof paths;\n')
    (folder / "package.json").write_text('{"type": "module"}\n')
    _tsconfig(folder, ["api.d.ts", "flow.ts"], emit=True)
    run([tools / "tsc", "-p", folder / "tsconfig.json"], cwd=folder)
    if not flow.exists():
        return
    with running_mock(contract=contract) as mock:
        output = run(
            ["node", folder / "js" / "flow.js"], cwd=folder, env={**os.environ, "MOCK_URL": mock.url_of(contract)}
        )
    assert "flow:" in output, output


@pytest.mark.timeout(300)
@pytest.mark.parametrize("contract", sorted(CONTRACTS))
def test_orval_fetch_axios_and_zod_outputs_compile(tools: Path, contract: str) -> None:
    clients = [client for client in ORVAL_CLIENTS if not unsupported(f"orval-{client}", contract)]
    if not clients:
        pytest.skip(
            f"orval on {contract}: " + "; ".join(unsupported(f"orval-{c}", contract) or "" for c in ORVAL_CLIENTS)
        )
    folder = _fresh(contract, "orval")
    config = {
        client: {
            "input": str(CONTRACTS[contract]),
            "output": {"target": f"{client}/api.ts", "client": client, "mode": "single"},
        }
        for client in clients
    }
    (folder / "orval.config.cjs").write_text(f"module.exports = {json.dumps(config)};\n")
    run([tools / "orval", "--config", folder / "orval.config.cjs"], cwd=folder)
    _tsconfig(folder, [f"{client}/**/*.ts" for client in clients], emit=False)
    run([tools / "tsc", "-p", folder / "tsconfig.json"], cwd=folder)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("contract", sorted(CONTRACTS))
def test_openapi_python_client_package_runs_its_flow_with_typed_error_codes(tools: Path, contract: str) -> None:
    _skip_if_unsupported("openapi-python-client", contract)
    folder = _fresh(contract, "python")
    package = f"{contract}_client"
    env = {**os.environ, "PATH": f"{TOOLS_PYTHON.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    run(
        [
            TOOLS_PYTHON.parent / "openapi-python-client",
            "generate",
            "--path",
            CONTRACTS[contract],
            "--meta",
            "none",
            "--output-path",
            folder / package,
        ],
        cwd=folder,
        env=env,
    )
    run([TOOLS_PYTHON, "-c", f"import {package}.api, {package}.models"], cwd=folder, env=env)
    loaded = registry.contract(contract)
    if loaded.error_format.code_at is not None:
        # Each error answer's code is its operation's enum; only the generic error schema (and the
        # schemas it refers to) keeps `str`.
        generic = {_module_name(name) for name in _schemas_of(loaded.raw, loaded.error_format.schema)}
        # Components no error answer uses (a category's or a country's `code`) are no error models.
        other = {_module_name(name) for name in loaded.raw["components"]["schemas"]} - {
            _module_name(name) for name in _error_schemas(loaded.raw)
        }
        untyped = []
        for model in sorted((folder / package / "models").glob("*.py")):
            for annotation in re.findall(r"^    code: (.+)$", model.read_text(), flags=re.M):
                if re.fullmatch(r"str( \| Unset)?", annotation) and model.stem not in generic | other:
                    untyped.append(model.name)
        assert untyped == [], f"error models whose code is a plain str: {untyped}"
    flow = EXAMPLES / "python" / f"{contract}.py"
    if not flow.exists():
        return
    with running_mock(contract=contract) as mock:
        output = run(
            [TOOLS_PYTHON, flow], cwd=folder, env={**env, "MOCK_URL": mock.url_of(contract), "PYTHONPATH": str(folder)}
        )
    assert "flow:" in output, output
