/**
 * The async job protocol as minion and overlord both speak it (docs/PROTOCOL.md, "Async jobs"):
 * written once here so that neither side spells it out again.
 */
package jfunc.common.job;
