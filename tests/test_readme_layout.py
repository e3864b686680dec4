"""README "How the code is laid out" names only what the tree holds: each folder, module
and kind it lists exists where it says."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).parents[1]


def layout() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## How the code is laid out", 1)[1]
    return section.split("```", 2)[1].strip("\n").splitlines()


def named(lines: list[str]) -> list[Path]:
    """Every path the layout names: in a package's line, the folders and modules before its
    description (set off by three spaces); a bare word in a folder's line is a module of it."""
    paths: list[Path] = []
    package = ROOT
    for line in lines:
        if not line.startswith(" "):
            package = ROOT / line.split()[0]
            paths.append(package)
            continue
        words = line.strip().split("   ")[0].split()
        if not words or not words[0].endswith("/"):
            continue  # a description's second line
        folder = package / words[0]
        for word in words:
            if word.endswith("/"):
                paths.append(package / word if word == words[0] else _kind(package, word))
            elif word.endswith(".py"):
                paths.append(package / word if (package / word).exists() else folder / word)
            else:
                paths.append(folder / f"{word}.py")
    return paths


def _kind(package: Path, word: str) -> Path:
    return package / "kinds" / word if (package / "kinds" / word).is_dir() else package / word


def test_every_folder_and_module_the_layout_names_is_in_the_tree() -> None:
    paths = named(layout())
    assert len(paths) > 40
    assert [p.relative_to(ROOT) for p in paths if not p.exists()] == []


def test_every_kind_in_the_plugin_list_has_its_two_folders_named_in_the_layout() -> None:
    from bot.plugins import PLUGINS

    text = "\n".join(layout())
    kinds = [plugin for plugin in PLUGINS if plugin.kinds]  # the CRM intake tracks no items
    assert len(kinds) >= 5
    for plugin in kinds:
        assert (ROOT / "slaengine" / "kinds" / plugin.name).is_dir()
        assert (ROOT / "bot" / "kinds" / plugin.name).is_dir()
        assert f"{plugin.name}/" in text
