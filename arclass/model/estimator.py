"""The scikit-learn estimator protocol, driven by one table of parameters.

Tagging with a saved model must stay fast to start, and importing
scikit-learn costs over a second, so arclass's estimators do not inherit from
``sklearn.base.BaseEstimator``. :class:`Estimator` implements what
scikit-learn's tools rely on (``get_params``, ``set_params``,
``__sklearn_tags__``), so ``clone``, ``Pipeline`` and ``GridSearchCV`` treat
arclass's estimators like their own.

Each estimator declares its parameters once, as a tuple of :class:`Param`
(name, default, allowed values, documentation). From that table come the
keyword-only ``__init__`` (which stores each value unchanged, as
scikit-learn asks), the "Parameters" section of the docstring, the checks
that :meth:`Estimator.validate_params` runs before any work (the way
scikit-learn's ``_parameter_constraints`` do), and, for the vectorizer, what
a model file saves and which flags ``arclass train`` offers.
"""

from __future__ import annotations

import inspect
import numbers
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

__all__ = ["Estimator", "NotFittedError", "Param", "Interval", "RealNotInt", "Options", "InstanceOf", "Pair"]


class NotFittedError(ValueError, AttributeError):
    """Raised when an estimator is used before ``fit``.

    It subclasses ``ValueError`` and ``AttributeError`` like scikit-learn's
    exception of the same name.
    """


# -- allowed values -----------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    """One of a few values (compared with ``==``; ``True`` is not ``1`` here)."""

    values: tuple

    def __init__(self, *values: Any) -> None:
        object.__setattr__(self, "values", values)

    def accepts(self, value: Any) -> bool:
        return any(value is v or (type(value) is type(v) and value == v) for v in self.values)

    def describe(self) -> str:
        return "one of " + ", ".join(repr(v) for v in self.values)


class RealNotInt:
    """The ``kind`` of an :class:`Interval` of fractions: a float, not an int (0.5 of the documents)."""


@dataclass(frozen=True)
class Interval:
    """A number of ``kind`` in a range: ``int``, ``float`` (an int is also a float) or :class:`RealNotInt`."""

    kind: type
    low: float | None = None
    high: float | None = None
    closed: str = "both"  # "both", "left", "right" or "neither"

    def accepts(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            return False
        if self.kind is int and not isinstance(value, numbers.Integral):
            return False
        if self.kind is RealNotInt and isinstance(value, numbers.Integral):
            return False
        if value != value:  # NaN
            return False
        if self.low is not None:
            if value < self.low or (value == self.low and self.closed in ("right", "neither")):
                return False
        if self.high is not None:
            if value > self.high or (value == self.high and self.closed in ("left", "neither")):
                return False
        return True

    def describe(self) -> str:
        kind = {int: "an int", RealNotInt: "a float"}.get(self.kind, "a number")
        left = "[" if self.closed in ("both", "left") else "("
        right = "]" if self.closed in ("both", "right") else ")"
        low = "-inf" if self.low is None else f"{self.low:g}"
        high = "inf" if self.high is None else f"{self.high:g}"
        return f"{kind} in {left}{low}, {high}{right}"


@dataclass(frozen=True)
class InstanceOf:
    """An instance of a class (``bool`` means exactly True or False)."""

    kind: type | tuple
    name: str = ""

    def accepts(self, value: Any) -> bool:
        if self.kind is bool:
            return isinstance(value, bool)
        return isinstance(value, self.kind)

    def describe(self) -> str:
        return self.name or f"a {getattr(self.kind, '__name__', self.kind)}"


@dataclass(frozen=True)
class Pair:
    """Two values, each allowed by ``item``, with ``first <= second``."""

    item: Interval

    def accepts(self, value: Any) -> bool:
        return (
            isinstance(value, (tuple, list)) and len(value) == 2
            and all(self.item.accepts(v) for v in value) and value[0] <= value[1]
        )

    def describe(self) -> str:
        return f"a pair (low, high) of {self.item.describe()}s with low <= high"


def _accepts(constraint: Any, value: Any) -> bool:
    if constraint is None:
        return value is None
    if isinstance(constraint, type):
        return isinstance(value, constraint)
    if callable(getattr(constraint, "accepts", None)):
        return constraint.accepts(value)
    raise TypeError(f"not a parameter constraint: {constraint!r}")


def _describe(constraint: Any) -> str:
    if constraint is None:
        return "None"
    if isinstance(constraint, type):
        return f"a {constraint.__name__}"
    return constraint.describe()


@dataclass(frozen=True)
class Param:
    """One parameter of an estimator: the single place it is declared.

    ``allowed`` lists the constraints a value may satisfy (any one will do);
    ``factory`` makes the default when a fresh object is needed per
    instance (a nested estimator). ``saved`` says whether a model file
    records the parameter, ``flag`` whether ``arclass train`` offers it.
    """

    name: str
    default: Any
    allowed: Sequence[Any]
    doc: str
    type_doc: str = ""
    factory: Callable[[], Any] | None = None
    saved: bool = True
    flag: bool = True
    extra: dict = field(default_factory=dict)

    def check(self, owner: str, value: Any) -> None:
        if not any(_accepts(c, value) for c in self.allowed):
            allowed = " or ".join(_describe(c) for c in self.allowed)
            raise ValueError(f"{owner}: parameter {self.name!r} must be {allowed}, not {value!r}")

    def default_value(self) -> Any:
        return self.factory() if self.factory is not None else self.default


def _docs(params: Sequence[Param]) -> str:
    lines = ["", "    Parameters", "    ----------"]
    for p in params:
        shown = f"{p.factory.__name__}()" if p.factory is not None else repr(p.default)
        lines.append(f"    {p.name} : {p.type_doc or ' or '.join(_describe(c) for c in p.allowed)}, default={shown}")
        lines += [f"        {line}" for line in p.doc.strip().splitlines()]
    return "\n".join(lines) + "\n"


def _make_init(params: Sequence[Param]):
    signature = inspect.Signature(
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [inspect.Parameter(p.name, inspect.Parameter.KEYWORD_ONLY,
                             default=None if p.factory else p.default) for p in params]
    )
    names = {p.name for p in params}

    def __init__(self, **kwargs: Any) -> None:
        unknown = sorted(set(kwargs) - names)
        if unknown:
            raise TypeError(f"{type(self).__name__}() got an unexpected keyword argument {unknown[0]!r}")
        for p in params:
            value = kwargs.get(p.name, None if p.factory else p.default)
            if value is None and p.factory is not None:
                value = p.factory()
            setattr(self, p.name, value)

    __init__.__signature__ = signature  # what scikit-learn's get_params reads
    return __init__


class Estimator:
    """Parameter handling in the scikit-learn style, from a :class:`Param` table.

    A subclass sets ``parameters``; its ``__init__`` and the "Parameters"
    part of its docstring are made from it. Learned state ends with an
    underscore.
    """

    parameters: tuple[Param, ...] = ()
    _estimator_type: str | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "parameters" in cls.__dict__:
            cls.__init__ = _make_init(cls.parameters)
            doc = inspect.cleandoc(cls.__doc__ or "")
            head, sep, tail = doc.partition("\nAttributes\n")
            indented = "\n".join(("    " + line) if line else line for line in head.splitlines())
            rest = "\n".join(("    " + line) if line else line for line in (sep + tail).splitlines())
            cls.__doc__ = indented.strip() + "\n" + _docs(cls.parameters) + rest

    @classmethod
    def _param_names(cls) -> list[str]:
        return sorted(p.name for p in cls.parameters)

    @classmethod
    def param(cls, name: str) -> Param:
        """The :class:`Param` called ``name``."""
        return next(p for p in cls.parameters if p.name == name)

    def validate_params(self) -> None:
        """Raise ``ValueError`` naming the first parameter whose value is not allowed."""
        for p in self.parameters:
            p.check(type(self).__name__, getattr(self, p.name))
            if hasattr(getattr(self, p.name), "validate_params"):
                getattr(self, p.name).validate_params()

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Parameters of this estimator (and, with ``deep``, of nested ones)."""
        out: dict[str, Any] = {}
        for name in self._param_names():
            value = getattr(self, name)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                out.update((f"{name}__{k}", v) for k, v in value.get_params().items())
            out[name] = value
        return out

    def set_params(self, **params: Any):
        """Set parameters; ``name__param`` reaches into a nested estimator."""
        valid = self._param_names()
        nested: dict[str, dict[str, Any]] = {}
        for key, value in params.items():
            name, _, sub = key.partition("__")
            if name not in valid:
                raise ValueError(
                    f"invalid parameter {name!r} for {type(self).__name__}; "
                    f"valid parameters: {', '.join(valid)}"
                )
            if sub:
                nested.setdefault(name, {})[sub] = value
            else:
                setattr(self, name, value)
        for name, sub_params in nested.items():
            getattr(self, name).set_params(**sub_params)
        return self

    def __repr__(self) -> str:
        changed = []
        for p in self.parameters:
            value = getattr(self, p.name)
            default = p.default_value()
            try:
                same = value is default or bool(value == default) or repr(value) == repr(default)
            except Exception:  # arrays and other objects without a plain ==
                same = False
            if not same:
                changed.append(f"{p.name}={value!r}")
        return f"{type(self).__name__}({', '.join(changed)})"

    def __sklearn_tags__(self):
        from sklearn.utils import ClassifierTags, InputTags, TargetTags, Tags, TransformerTags

        is_classifier = self._estimator_type == "classifier"
        return Tags(
            estimator_type=self._estimator_type,
            target_tags=TargetTags(required=is_classifier, multi_output=is_classifier),
            transformer_tags=TransformerTags() if hasattr(self, "transform") else None,
            classifier_tags=ClassifierTags(multi_label=True) if is_classifier else None,
            input_tags=InputTags(one_d_array=True, two_d_array=False, string=True),
        )

    def _check_fitted(self, attribute: str) -> None:
        if not hasattr(self, attribute):
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted yet: call fit first"
            )
