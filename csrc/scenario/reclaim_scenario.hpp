// The reclaim scenario's public face: its settings and statistics (reclaim_config.hpp)
// and run_reclaim_with<Counter>() (reclaim_team.hpp), the entry point a strategy
// registry calls once per counter type. Header-only, so a strategy compiled into
// another extension module instantiates the scenario with its own counter.
#pragma once

#include "scenario/reclaim_config.hpp"
#include "scenario/reclaim_team.hpp"
