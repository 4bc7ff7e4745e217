/*
 * The store facade's part of the receiver pair: the lease that makes one of
 * the receivers sharing a database the one that writes (store.h).
 */
#include <stdio.h>
#include <string.h>

#include "refuge/store.h"
#include "refuge/store_backend.h"

int
store_shared(struct store *store)
{
	void	*be;

	return store_backend_of(store, &be)->lease_take != NULL;
}

int
store_receiver(struct store *store, const char *name, const char *address,
    int64_t lease_ms)
{
	void				*be;
	const struct store_backend	*b = store_backend_of(store, &be);

	if (b->receiver == NULL)
		return store_backend_checked(store, -1,
		    "a receiver pair (a shared database)");
	return store_backend_checked(store, b->receiver(be, name, address,
	    lease_ms), NULL);
}

int
store_lease_take(struct store *store, int64_t now_ms, struct store_lease *lease)
{
	void				*be;
	const struct store_backend	*b = store_backend_of(store, &be);
	int				 rc;

	memset(lease, 0, sizeof(*lease));
	if (b->lease_take == NULL)
		return 1;
	if ((rc = store_backend_checked(store, b->lease_take(be, now_ms,
	    lease), NULL)) != 1)
		return rc;
	/* The receiver that held it before wrote the chain's newest rows. */
	if (store_audit_load_tail(store) == -1) {
		(void)store_backend_checked(store, -1, NULL);
		b->lease_release(be);
		return -1;
	}
	return 1;
}

int
store_lease_renew(struct store *store, int64_t now_ms,
    struct store_lease *lease)
{
	void				*be;
	const struct store_backend	*b = store_backend_of(store, &be);

	memset(lease, 0, sizeof(*lease));
	if (b->lease_renew == NULL)
		return 0;
	return store_backend_checked(store, b->lease_renew(be, now_ms, lease),
	    NULL);
}

int
store_lease_held(struct store *store)
{
	void				*be;
	const struct store_backend	*b = store_backend_of(store, &be);

	return b->lease_held == NULL || b->lease_held(be);
}

void
store_lease_release(struct store *store)
{
	void				*be;
	const struct store_backend	*b = store_backend_of(store, &be);

	if (b->lease_release != NULL)
		b->lease_release(be);
}
