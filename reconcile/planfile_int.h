/*
 * Saved plans, inside: the JSON form of a step, written by planfile.c and
 * compared by planfile_check.c. Private to those two.
 */
#ifndef TF_PLANFILE_INT_H
#define TF_PLANFILE_INT_H

#include "reconcile/plan.h"

#include <jansson.h>

/* "create", "update", "delete", "replace": enum plan_action as saved. */
#define PLANFILE_NACTIONS 4
extern const char *const planfile_action_names[PLANFILE_NACTIONS];
/* A step as a saved plan holds it; its CA (certificate and all) goes into cas
 * once. */
json_t *planfile_step_json(const struct plan_step *st, json_t *cas);

#endif
