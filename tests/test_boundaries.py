"""I2: no module outside the vault touches key material; the gate is the only way in."""

import ast
from pathlib import Path

import lethe

SRC = Path(lethe.__file__).parent

# Modules that hold or handle key material. Outside lethe.vault nobody imports them;
# inside, only the modules listed may.
KEY_MODULES = {
    "lethe.vault.crypto",
    "lethe.vault.keyring",
    "lethe.vault.keys",
    "lethe.vault.blind",
    "lethe.vault.keystore",
    "lethe.vault.keystore.models",
}
KEY_LIBRARIES = (
    "cryptography.hazmat.primitives.ciphers",
    "cryptography.hazmat.primitives.kdf",
    "hmac",
)
ALLOWED_INSIDE = {
    "lethe.vault.gate",
    "lethe.vault.documents",
    "lethe.vault.keys",
    "lethe.vault.keyring",
    "lethe.vault.keyadmin",
    "lethe.vault.blind",
    "lethe.vault.crypto",
    "lethe.vault.keystore.models",
    "lethe.vault.keystore.apps",
    "lethe.vault.keystore.router",
}


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Return every module `path` imports, including `from x import y` as x.y."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def offenders() -> dict[str, set[str]]:
    bad = {}
    for path in SRC.rglob("*.py"):
        name = module_name(path)
        if name in ALLOWED_INSIDE or ".migrations." in name:
            continue
        used = {m for m in imports(path) if m in KEY_MODULES or m.startswith(KEY_LIBRARIES)}
        if used:
            bad[name] = used
    return bad


def test_no_module_outside_the_key_modules_imports_key_material():
    assert offenders() == {}


def test_the_check_would_catch_a_module_that_reached_for_keys(tmp_path, monkeypatch):
    sneaky = SRC / "core" / "_sneaky_test_module.py"
    sneaky.write_text("from lethe.vault import keys\n")
    try:
        assert offenders() == {"lethe.core._sneaky_test_module": {"lethe.vault.keys"}}
    finally:
        sneaky.unlink()


# Writing a value or an index row takes the model's manager or its constructor; a
# mention of the model (the data map names the vault's tables) writes nothing.
WRITES = ("PersonalValue.objects", "PersonalValue(", "BlindIndex.objects", "BlindIndex(")


def test_the_gate_is_the_only_writer_of_personal_values():
    writers = [
        module_name(path)
        for path in SRC.rglob("*.py")
        if ".migrations." not in module_name(path)
        and module_name(path) != "lethe.vault.gate"
        and any(token in path.read_text() for token in WRITES)
        and module_name(path) != "lethe.vault.models"
    ]
    assert writers == []
