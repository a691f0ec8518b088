/** {@code jfunc-ca}: picocli commands over {@link jfunc.certs.CaStore}; entry points {@code CaCli.main} and {@code CaCli.run}. */
package jfunc.certs.cli;
