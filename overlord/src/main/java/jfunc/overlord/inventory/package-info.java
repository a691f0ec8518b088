/**
 * Reading the overlord's inventory files: the CA's minion records
 * ({@code STATE/ca/records/*.properties}), the overrides file ({@code STATE/overlord/minions}) and
 * the groups file ({@code STATE/overlord/groups}). Implementation detail of
 * {@link jfunc.overlord.Inventory}; stateless, thread-safe.
 */
package jfunc.overlord.inventory;
