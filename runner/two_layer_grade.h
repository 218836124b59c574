// Grading for the two-layer-network lesson kind: the learner's values against
// the reference engine and against central differences, as a trace.
#pragma once

#include <vector>

#include "runner/channel.h"
#include "runner/lesson.h"
#include "runner/trace.h"
#include "runner/two_layer_spec.h"

namespace gradlings::runner {

/// Builds one trace per case that the harness reported on, in case order.
/// A case the harness never reached gets no trace.
std::vector<CaseTrace> grade_two_layer(const Lesson& lesson, const std::vector<TwoLayerCase>& cases,
                                       const ChannelData& data);

}  // namespace gradlings::runner
