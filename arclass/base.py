"""The scikit-learn estimator protocol, without importing scikit-learn.

Tagging with a saved model must stay fast to start, and importing scikit-learn
costs over a second, so arclass's estimators do not inherit from
``sklearn.base.BaseEstimator``. :class:`Estimator` implements what
scikit-learn's tools rely on (``get_params``, ``set_params``,
``__sklearn_tags__``), so ``clone``, ``Pipeline`` and ``GridSearchCV`` treat
arclass's estimators like their own; scikit-learn is imported only when one of
its tools asks.
"""

from __future__ import annotations

import inspect
from typing import Any

__all__ = ["Estimator", "NotFittedError"]


class NotFittedError(ValueError, AttributeError):
    """Raised when an estimator is used before ``fit``.

    It subclasses ``ValueError`` and ``AttributeError`` like scikit-learn's
    exception of the same name.
    """


class Estimator:
    """Parameter handling in the scikit-learn style.

    Subclasses take every parameter as a keyword of ``__init__`` and store it
    unchanged under the same name; learned state ends with an underscore.
    """

    _estimator_type: str | None = None

    @classmethod
    def _param_names(cls) -> list[str]:
        init = cls.__init__
        if init is object.__init__:
            return []
        params = inspect.signature(init).parameters.values()
        return sorted(p.name for p in params if p.name != "self" and p.kind != p.VAR_KEYWORD)

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
        defaults = {
            p.name: p.default
            for p in inspect.signature(type(self).__init__).parameters.values()
        }
        changed = []
        for name in self._param_names():
            value = getattr(self, name)
            default = defaults.get(name, inspect.Parameter.empty)
            try:
                same = value is default or bool(value == default)
            except Exception:  # arrays and other objects without a plain ==
                same = False
            if not same:
                changed.append(f"{name}={value!r}")
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
