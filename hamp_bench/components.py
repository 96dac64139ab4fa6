"""Components built from config, each declaring its parameters once.

A component (an algorithm, a problem, a hardware profile) declares its parameters in one
place: its class's `__init__` signature (names, types, defaults), or, for a class that must stay
cheap to describe without importing torch, one dataclass that its module names as the schema.
From that one declaration come

- the structured-config schema a preset in conf/ extends with
  `defaults: [/schema/<group>/<dotted.path>@_here_]`, so that Hydra fills in the defaults and
  checks names and types of overrides before any work (the preset states only what differs);
- the checks when the component is built (`build`): an unknown key, a missing value or a wrong
  type is a ConfigError naming `<group>.<key>`.

`algorithm._target_=my.module.MyAlgorithm` on the command line builds that class with its own
parameters: values that only came from the preset's class defaults are not passed on.
"""

from __future__ import annotations

import collections.abc
import copy
import dataclasses
import enum
import functools
import inspect
import logging
import types
import typing
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml
from hydra.utils import get_class, get_object
from omegaconf import MISSING, DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from hamp_bench.errors import ConfigError

_SCALARS = (int, float, bool, str)


def _field_type(annotation: Any) -> Any:
    """An annotation OmegaConf can check (anything else is checked by the class itself)."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        inner = _field_type(rest[0]) if len(rest) == 1 else Any
        return Optional[inner] if type(None) in args and inner is not Any else inner
    if origin in (list, tuple, collections.abc.Sequence) or annotation in (list, tuple):
        item = _field_type(args[0]) if args else Any
        return List[item] if item in _SCALARS else List[Any]
    if origin is dict or annotation is dict:
        return Dict[str, Any]
    if annotation in _SCALARS or dataclasses.is_dataclass(annotation):
        return annotation
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return annotation
    return Any


def _field_default(value: Any) -> Any:
    if value is inspect.Parameter.empty:
        return dataclasses.field(default=MISSING)
    if isinstance(value, tuple):
        value = list(value)
    if isinstance(value, (list, dict)) or dataclasses.is_dataclass(value):
        return dataclasses.field(default_factory=functools.partial(copy.deepcopy, value))
    return dataclasses.field(default=value)


def dotted_name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


@functools.cache
def schema(cls: type) -> type:
    """The structured-config dataclass of a component class: `_target_` plus its parameters.

    A class that keeps its parameters in a dataclass (`Params = SomeDataclass`, with an
    `__init__(**params)`) uses that dataclass; otherwise the schema is made from `__init__`.
    """
    declared = getattr(cls, "Params", None)
    if _is_params_dataclass(declared):
        return declared
    hints = typing.get_type_hints(cls.__init__)
    fields = []
    for p in list(inspect.signature(cls.__init__).parameters.values())[1:]:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        fields.append((p.name, _field_type(hints.get(p.name, Any)), _field_default(p.default)))
    made = dataclasses.make_dataclass(
        f"{cls.__name__}Schema",
        [("_target_", str, dataclasses.field(default=dotted_name(cls))), *fields],
    )
    made.__component__ = cls
    return made


def defaults(cls: type) -> dict[str, Any]:
    """Each parameter's default (MISSING where it has none)."""
    return {
        k: v
        for k, v in OmegaConf.to_container(OmegaConf.structured(schema(cls))).items()
        if k != "_target_"
    }


def _schema_source(dotted: str, preset: Path) -> type:
    """The class (or parameter dataclass) a `/schema/<group>/<dotted>` line names."""
    hydra_log = logging.getLogger("hydra.utils")  # it logs the failure before raising it
    level, hydra_log.disabled = hydra_log.disabled, True
    try:
        obj = get_object(dotted)
    except Exception as e:  # hydra raises ImportError or ValueError depending on the cause
        cause = " ".join(str(e.__cause__ or e).split())
        raise ConfigError(
            f"{preset} names the schema {dotted!r}, which cannot be imported "
            f"({cause}); name a class or dataclass by its dotted "
            "path, e.g. /schema/algorithm/my_package.module.MyAlgorithm@_here_"
        ) from e
    finally:
        hydra_log.disabled = level
    if not isinstance(obj, type):
        raise ConfigError(
            f"{preset} names the schema {dotted!r}, a {type(obj).__name__}; name a "
            "class or a dataclass"
        )
    return obj


def register_schemas(conf_dir: Path) -> None:
    """Store the schema of every class that a preset under `conf_dir` names in its defaults
    (`/schema/<group>/<dotted.path>`), importing only those modules."""
    from hydra.core.config_store import ConfigStore

    cs = ConfigStore.instance()
    for preset in sorted(conf_dir.rglob("*.yaml")):
        entries = (yaml.safe_load(preset.read_text()) or {}).get("defaults") or []
        for entry in entries:
            if not isinstance(entry, str) or not entry.startswith("/schema/"):
                continue
            group, _, dotted = entry[len("/schema/") :].split("@")[0].rpartition("/")
            source = _schema_source(dotted, preset)
            # a dataclass is a schema already (a group's settings, or a component's parameters
            # with their own _target_); a class gets one made from its signature
            node = source if dataclasses.is_dataclass(source) else schema(source)
            cs.store(group=f"schema/{group}", name=dotted, node=node)


def _is_params_dataclass(obj: Any) -> bool:
    """A parameter dataclass with its own `_target_` (e.g. the pruning problem's, kept free of
    torch so that composing a config stays fast)."""
    return dataclasses.is_dataclass(obj) and "_target_" in {f.name for f in dataclasses.fields(obj)}


def build(section: DictConfig | dict, group: str, **context: Any) -> Any:
    """Instantiate `<group>` from its config: `_target_` names the class, the rest are its
    parameters, checked against its declaration. `context` are keyword arguments that come from
    the caller, not the config (e.g. a progress switch)."""
    cls, kwargs = resolve(section, group)
    try:
        return cls(**kwargs, **context)
    except TypeError as e:
        raise ConfigError(f"{group} config does not match {dotted_name(cls)}: {e}") from e


def resolve(section: DictConfig | dict, group: str) -> tuple[type, dict[str, Any]]:
    """The class a config names and the checked keyword arguments it will be built with."""
    origin = None
    if isinstance(section, DictConfig):
        origin = getattr(OmegaConf.get_type(section), "__component__", None)
        params = OmegaConf.to_container(section, resolve=True, enum_to_str=False)
    else:
        params = copy.deepcopy(dict(section))
    target = params.pop("_target_", None)
    if not target:
        raise ConfigError(f"{group} has no _target_; set {group}._target_=<module.Class>")
    try:
        cls = get_class(target)
    except Exception as e:  # hydra raises ImportError or ValueError depending on the cause
        raise ConfigError(f"{group}._target_={target!r} cannot be imported: {e}") from e
    params = _own_parameters(cls, params, origin, group, target)
    built = checked(schema(cls), params, group, target)
    return cls, {k: v for k, v in vars(built).items() if k != "_target_"}


def checked(kind: type, params: dict[str, Any], group: str, target: str = "") -> Any:
    """`params` as an instance of the dataclass `kind`: defaults filled in, interpolations
    resolved, names and types checked (ConfigError naming `<group>.<key>`)."""
    where = f" ({target})" if target else ""
    try:
        merged = OmegaConf.merge(OmegaConf.structured(kind), params)
        # a missing value inside a sub-component's section (e.g. problem.hardware.path) is for
        # that component to report when it is built
        missing = sorted(k for k in OmegaConf.missing_keys(merged) if "." not in k)
        plain = OmegaConf.to_container(merged, resolve=True, throw_on_missing=False)
    except OmegaConfBaseException as e:
        raise ConfigError(f"{group}.{_key_of(e)}: {_message_of(e)}{where}") from e
    if missing:
        raise ConfigError(
            f"{group}.{missing[0]} has no value and no default{where}; set {group}.{missing[0]}=..."
        )
    return _instantiate(kind, plain)


def _instantiate(kind: type, values: dict) -> Any:
    """A dataclass from plain values, nested dataclass fields included (OmegaConf's own
    instantiation refuses a missing value anywhere, even one a sub-component reports itself)."""
    hints = typing.get_type_hints(kind)
    kwargs = {}
    for f in dataclasses.fields(kind):
        if f.name not in values:
            continue
        value, hint = values[f.name], hints.get(f.name)
        inner = [a for a in typing.get_args(hint) if a is not type(None)] or [hint]
        if isinstance(value, dict) and dataclasses.is_dataclass(inner[0]):
            value = _instantiate(inner[0], value)
        kwargs[f.name] = value
    return kind(**kwargs)


def as_config(cls: type, kwargs: dict[str, Any]) -> dict[str, Any]:
    """The config a component was built with, as plain data (what run.json records)."""
    plain = {
        k: dataclasses.asdict(v) if dataclasses.is_dataclass(v) else v for k, v in kwargs.items()
    }
    return {"_target_": dotted_name(cls), **plain}


def _own_parameters(cls: type, params: dict, origin: type | None, group: str, target: str) -> dict:
    """Drop values that only came from another class's defaults (the preset's, when the user
    changed `_target_`); refuse keys the class does not take."""
    accepted = set(defaults(cls))
    if origin is not None and origin is not cls:
        inherited = defaults(origin)
        params = {k: v for k, v in params.items() if not (k in inherited and v == inherited[k])}
    unknown = sorted(set(params) - accepted)
    if unknown:
        fix = "drop it or fix its name"
        if origin is not None and origin is not cls and unknown[0] in defaults(origin):
            fix = (
                f"it is set by the preset of {dotted_name(origin)}; start from a preset "
                f"that does not set it (e.g. the default one) or write a preset for {target} "
                "(docs/extending.md)"
            )
        raise ConfigError(
            f"{group}.{unknown[0]} is not a parameter of {target} (it takes "
            f"{sorted(accepted) or 'none'}); {fix}"
        )
    return params


def _key_of(e: OmegaConfBaseException) -> str:
    return str(getattr(e, "full_key", "") or getattr(e, "key", "") or "?")


def _message_of(e: OmegaConfBaseException) -> str:
    return str(getattr(e, "msg", None) or e).splitlines()[0]
