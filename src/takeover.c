#include <string.h>

#include "log.h"
#include "takeover.h"

static int
spared(const struct takeover *t, const struct engine_node_container *c)
{
	return c->launcher || (t->self[0] != '\0' && strcmp(t->self, c->id) == 0);
}

/* The old mpc-node: restarted as is, or kept aside for its logs. */
static int
settle_old_node(struct takeover *t, struct engine_api *a,
    const struct engine_node_container *c, const char *spec_id, struct errbuf *err)
{
	if (strcmp(c->spec, spec_id) == 0) {
		memcpy(t->restart_id, c->id, sizeof(t->restart_id));
		log_event(LOG_INFO, "old node has the same spec; it will be started again",
		    { "id", c->id });
		return 0;
	}
	if (engine_api_container_remove(a, ENGINE_CONTAINER_PREVIOUS, err) != ENGINE_OK)
		return -1;
	if (!t->keep_previous) {
		log_event(LOG_INFO, "old node removed (compose would adopt a kept one)",
		    { "id", c->id });
		return engine_api_container_remove(a, c->id, err) == ENGINE_OK ? 0 : -1;
	}
	if (engine_api_container_rename(a, c->id, ENGINE_CONTAINER_PREVIOUS, err) != ENGINE_OK ||
	    engine_api_container_no_restart(a, c->id, err) != ENGINE_OK)
		return -1;
	log_event(LOG_INFO, "old node kept for its logs",
	    { "name", ENGINE_CONTAINER_PREVIOUS }, { "id", c->id });
	return 0;
}

static int
stop_one(struct takeover *t, struct engine_api *a,
    const struct engine_node_container *c, const char *spec_id, int *stopped,
    struct errbuf *err)
{
	int is_node = strcmp(c->name, ENGINE_CONTAINER) == 0;

	if (!is_node && engine_api_container_no_restart(a, c->id, err) != ENGINE_OK)
		return -1;
	if (c->running) {
		if (engine_api_container_stop(a, c->id, err) != ENGINE_OK)
			return -1;
		*stopped = 1;
		log_event(LOG_INFO, "stopped a container that could write the shared volume",
		    { "name", c->name }, { "id", c->id });
	}
	return is_node ? settle_old_node(t, a, c, spec_id, err) : 0;
}

/* None may run now: a restart policy or another actor could have raced. */
static int
confirm_stopped(struct takeover *t, struct engine_api *a, struct errbuf *err)
{
	size_t i;

	if (engine_api_node_containers(a, &t->list, err) != ENGINE_OK)
		return -1;
	for (i = 0; i < t->list.n; i++)
		if (t->list.c[i].running && !spared(t, &t->list.c[i])) {
			errbuf_set(err, "container %s (%s) is running again after it was stopped",
			    t->list.c[i].name, t->list.c[i].id);
			return -1;
		}
	return 0;
}

int
takeover_stop_old(struct takeover *t, struct engine_api *a, const char *spec_id,
    struct errbuf *err)
{
	size_t i;
	int pass, stopped = 0;

	t->restart_id[0] = '\0';
	if (!selfid_read(t->self))
		t->self[0] = '\0';
	if (engine_api_node_containers(a, &t->list, err) != ENGINE_OK)
		return -1;
	/* mpc-node last: settling it may delete an older mpc-node-previous
	 * that is still in the list. */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < t->list.n; i++) {
			const struct engine_node_container *c = &t->list.c[i];

			if (spared(t, c) || (strcmp(c->name, ENGINE_CONTAINER) == 0) != pass)
				continue;
			if (stop_one(t, a, c, spec_id, &stopped, err) != 0) {
				errbuf_wrap(err, "stopping %s", c->name);
				return -1;
			}
		}
	/* compose would adopt one kept by an api-backend run (its labels) */
	if (!t->keep_previous &&
	    engine_api_container_remove(a, ENGINE_CONTAINER_PREVIOUS, err) != ENGINE_OK)
		return -1;
	/* Nothing was running: nothing can have come back (only launchers
	 * start containers, and they hold the lock). */
	return stopped ? confirm_stopped(t, a, err) : 0;
}

int
takeover_start(const struct takeover *t, struct engine_api *a,
    const struct engine *e, const struct launch_plan *l, struct errbuf *err)
{
	if (t->restart_id[0] == '\0')
		return e->launch(e->ctx, l, err) == ENGINE_OK ? 0 : -1;
	if (engine_api_container_start(a, t->restart_id, err) != ENGINE_OK)
		return -1;
	log_event(LOG_INFO, "old node started again", { "id", t->restart_id });
	return 0;
}
