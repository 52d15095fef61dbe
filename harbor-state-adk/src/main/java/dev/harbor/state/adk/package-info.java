/**
 * Google ADK's sessions in a Harbor State store: {@link dev.harbor.state.adk.HarborSessionService}.
 */
@NullMarked
package dev.harbor.state.adk;

import org.jspecify.annotations.NullMarked;
