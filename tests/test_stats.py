"""Wilson intervals and funnel limits against values worked out by hand."""

import math

import pandas as pd
import pytest
from cpmetrics import Proportion
from cpmetrics.stats import Z95, Z998, funnel_limits, funnel_table, wilson_interval


def textbook_wilson(n: int, of: int, z: float) -> tuple[float, float]:
    """Wilson (1927), usual form: (p + z^2/2N -/+ z sqrt(p(1-p)/N + z^2/4N^2)) / (1 + z^2/N)."""
    p = n / of
    centre = (p + z * z / (2 * of)) / (1 + z * z / of)
    half = z * math.sqrt(p * (1 - p) / of + z * z / (4 * of * of)) / (1 + z * z / of)
    return centre - half, centre + half


def test_z_values_are_the_two_sided_95_and_99_8_points():
    assert Z95 == pytest.approx(1.959964, abs=1e-6)
    assert Z998 == pytest.approx(3.090232, abs=1e-6)


def test_wilson_30_of_112_by_hand():
    # p = 30/112; z^2 = 3.841459
    # 2Np + z^2 = 60 + 3.841459 = 63.841459
    # z sqrt(z^2 + 4Np(1-p)) = 1.959964 * sqrt(3.841459 + 87.857143) = 18.768490
    # 2(N + z^2) = 231.682918
    # low = 45.072969 / 231.682918 = 0.194546; high = 82.609949 / 231.682918 = 0.356565
    low, high = wilson_interval(30, 112)
    assert low == pytest.approx(0.194546, abs=1e-6)
    assert high == pytest.approx(0.356565, abs=1e-6)
    # metrics.md: "30 of 112 is 27% with an interval of about 19% to 36%"
    assert Proportion(30, 112).wilson() == pytest.approx((19.4546, 35.6565), abs=1e-4)


def test_wilson_at_the_edges():
    # 0 of 10: low is 0, high is z^2 / (N + z^2) = 3.841459 / 13.841459 = 0.277533
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.277533), abs=1e-6)
    # 10 of 10: low is N / (N + z^2) = 10 / 13.841459 = 0.722467, high is 1
    assert wilson_interval(10, 10) == pytest.approx((0.722467, 1.0), abs=1e-6)
    assert wilson_interval(0, 0) is None
    assert Proportion(0, 0).wilson() is None
    # all of them: the upper limit is 100% exactly, never a rounding hair below (11 of 11 came
    # out at 0.9999999999999999, and Halton's August 2018 chart whisker had a negative length)
    for of in range(1, 400):
        low, high = wilson_interval(of, of)
        assert high == 1.0 and low < 1.0
        assert wilson_interval(0, of)[0] == 0.0
    with pytest.raises(ValueError):
        wilson_interval(5, 4)


@pytest.mark.parametrize("n,of", [(1, 3), (51, 264), (76, 261), (12420, 66410), (7, 8)])
def test_wilson_agrees_with_the_textbook_form(n, of):
    assert wilson_interval(n, of) == pytest.approx(textbook_wilson(n, of, Z95), abs=1e-12)
    assert wilson_interval(n, of, Z998) == pytest.approx(textbook_wilson(n, of, Z998), abs=1e-12)


def test_funnel_limits_england_2016_17_second_or_subsequent_at_264_starts():
    # England 18.7%, N = 264 (Trafford's starts in 2016-17), Np = 49.368
    # 95%:   (98.736 + 3.841459 -/+ 1.959964 sqrt(3.841459 + 160.544736)) / 535.682918
    #        = (102.577459 -/+ 25.129307) / 535.682918 = 0.144578 and 0.238400
    # 99.8%: (98.736 + 9.549536 -/+ 3.090232 sqrt(9.549536 + 160.544736)) / 547.099072
    #        = (108.285536 -/+ 40.302826) / 547.099072 = 0.124260 and 0.271593
    lim = funnel_limits(18.7, 264)
    assert lim["lower_95"] == pytest.approx(14.4578, abs=1e-4)
    assert lim["upper_95"] == pytest.approx(23.8400, abs=1e-4)
    assert lim["lower_99_8"] == pytest.approx(12.4260, abs=1e-4)
    assert lim["upper_99_8"] == pytest.approx(27.1593, abs=1e-4)
    assert funnel_limits(18.7, 0) is None


def test_funnel_limits_narrow_as_the_denominator_grows():
    small, large = funnel_limits(20.0, 50), funnel_limits(20.0, 5000)
    assert small["upper_99_8"] - small["lower_99_8"] > large["upper_99_8"] - large["lower_99_8"]
    assert large["lower_95"] < 20.0 < large["upper_95"]


def test_funnel_table_positions():
    # England 2017-18 was 20.2%. At N = 261 the 99.8% upper limit is
    # (105.444 + 9.549536 + 3.090232 sqrt(9.549536 + 168.288624)) / 541.099072 = 28.8678%,
    # so Trafford's 76 of 261 (29.1%) is above it; 51 of 261 (19.5%) is within the 95% limits.
    points = pd.DataFrame(
        {"la": ["358", "A", "B", "C"], "n": [76, 51, float("nan"), 0], "of": [261, 261, 30, 0]}
    )
    out = funnel_table(points, 20.2)
    assert out.loc[0, "upper_99_8"] == pytest.approx(28.8678, abs=1e-4)
    assert list(out["position"].fillna("-")) == [
        "above 99.8% limit",
        "within 95% limits",
        "-",  # suppressed numerator: no position, never a zero
        "-",  # no denominator
    ]
    assert out["pct"].isna().tolist() == [False, False, True, True]
