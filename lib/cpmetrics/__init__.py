"""cpmetrics: child protection plan measures for English councils' children's services.

Load a council's data once (`load`), then ask for DfE-defined measures at a
reporting date (`headline`, `monthly_series`). Every definition lives here, once.
"""

from cpmetrics.errors import InputError
from cpmetrics.periods import Period
from cpmetrics.proportion import Proportion

__version__ = "0.1.0"

__all__ = ["InputError", "Period", "Proportion", "__version__"]
