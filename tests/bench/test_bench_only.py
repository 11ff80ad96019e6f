"""`--only`: the scenario numbers it takes, with the scenarios those measure after."""

from __future__ import annotations

import pytest

from bench.run import SCENARIOS, chosen_scenarios


def test_without_the_option_every_scenario_runs():
    assert chosen_scenarios(None) == SCENARIOS


def test_a_list_of_numbers_selects_them():
    assert chosen_scenarios("1") == {"1"}
    assert chosen_scenarios(" 1, 5 ") == {"1", "5"}


def test_a_scenario_brings_the_one_it_measures_after():
    assert chosen_scenarios("3") == {"1", "3"}
    assert chosen_scenarios("7") == {"4", "7"}


@pytest.mark.parametrize("raw", ["11", "import", ",", "1,x"])
def test_anything_else_is_refused(raw):
    with pytest.raises(SystemExit):
        chosen_scenarios(raw)
