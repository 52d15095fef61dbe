/**
 * Spring Boot auto-configuration for Harbor State: {@link
 * dev.harbor.state.spring.boot.HarborStateAutoConfiguration} and its properties ({@code
 * harbor.state.*}); the rest is package-private.
 */
@NullMarked
package dev.harbor.state.spring.boot;

import org.jspecify.annotations.NullMarked;
