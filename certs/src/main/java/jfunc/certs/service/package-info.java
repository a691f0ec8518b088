/** The enrolment service ({@code certs.submit_csr}, {@code certs.fetch}) on the shared RpcServer. */
package jfunc.certs.service;
