/**
 * The certificate authority's store: {@link jfunc.certs.CaStore} over the fixed layout of
 * {@code STATE/ca/} (records in {@link jfunc.certs.CaRecord}, the wire answer in
 * {@link jfunc.certs.EnrolmentAnswer}). Implementation (files, lock, request checks, init) is
 * package-private. Threads and processes: every operation takes the store lock
 * ({@code STATE/ca/.lock} plus a per-JVM lock) and re-reads the files, so the CLI and a running
 * {@code serve} see each other's changes; there is no other lock and no lock order to respect.
 */
package jfunc.certs;
