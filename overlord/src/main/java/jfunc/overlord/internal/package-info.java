/** Loading the overlord's identity and trust from the state dir. Implementation detail of {@link jfunc.overlord.Overlord}. */
package jfunc.overlord.internal;
