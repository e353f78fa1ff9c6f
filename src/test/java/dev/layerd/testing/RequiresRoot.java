package dev.layerd.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test class or method that needs root (overlay mounts, 0/0 whiteouts, trusted xattrs,
 * chown). Elsewhere it is skipped with a reason starting "requires root"; with the system property
 * {@code layerd.requireRoot=true} (set by CI) it always runs, so a missing privilege fails loudly.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(RootCondition.class)
public @interface RequiresRoot {}
