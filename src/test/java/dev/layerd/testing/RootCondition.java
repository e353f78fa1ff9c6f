package dev.layerd.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Runs {@link RequiresRoot} tests as root, or always when CI demands them. */
public final class RootCondition implements ExecutionCondition {

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    if (isRoot()) {
      return ConditionEvaluationResult.enabled("running as root");
    }
    if (Boolean.getBoolean("layerd.requireRoot")) {
      return ConditionEvaluationResult.enabled("layerd.requireRoot=true: must run, and will fail");
    }
    return ConditionEvaluationResult.disabled(
        "requires root (overlay mounts, whiteout devices, trusted xattrs, chown); run as root");
  }

  /** True when the effective uid is 0. */
  public static boolean isRoot() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          return line.split("\\s+")[2].equals("0");
        }
      }
    } catch (IOException e) {
      return false;
    }
    return false;
  }
}
