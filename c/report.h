// report.h — a run as JSON: the one writer behind the CLI's --json and the
// JS run.toJSON() (schema in DESIGN.md, "JSON").
#ifndef NORMSCOPE_REPORT_H
#define NORMSCOPE_REPORT_H

#include "model.h"
#include "status.h"
#include "text.h"

Status report_json(Model* m, int full, Text* out);
// {tensor name: L2 norm of its gradient}, checkpoint names; needs a gradient run.
Status report_grad_norms_json(Model* m, Text* out);
void report_config_json(const Config* c, Text* out);
// {"softmax_sum": {"applies","worst","tolerance","ok"}, …} of the last run (checks.h).
void report_checks_json(const Model* m, Text* out);
// Every field of a table (CONFIG_FIELDS, TRAIN_FIELDS) with its kind, default,
// range and choices, for the page's controls. A real field with min < 0 may be 0.
void report_fields_json(Text* out, const FieldSpec* fields, int n);

#endif
