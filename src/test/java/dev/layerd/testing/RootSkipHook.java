package dev.layerd.testing;

import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;

/**
 * {@link RequiresRoot} for jqwik properties (jqwik does not run JUnit Jupiter conditions): skips
 * unless running as root, except under {@code layerd.requireRoot=true}, where it runs and fails.
 * Use with {@code @AddLifecycleHook(RootSkipHook.class)}.
 */
public final class RootSkipHook implements SkipExecutionHook {
  @Override
  public SkipResult shouldBeSkipped(LifecycleContext context) {
    if (RootCondition.isRoot() || Boolean.getBoolean("layerd.requireRoot")) {
      return SkipResult.doNotSkip();
    }
    return SkipResult.skip("requires root (overlay mounts, whiteout devices, trusted xattrs)");
  }
}
