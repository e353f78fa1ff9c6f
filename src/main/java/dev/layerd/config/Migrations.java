package dev.layerd.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Brings a parsed config tree of an older version up to {@link Config#CURRENT_VERSION}, in place.
 * Versions 1 to 3 differ from 4 only in the diff service's differ order: a {@code default} that
 * names {@code walking} gets {@code overlay} right after it, unless it names {@code overlay}
 * already. Nothing else in the tree changes.
 */
final class Migrations {
  private Migrations() {}

  /** Migrates {@code tree} from {@code version} and returns the version it now has. */
  static int migrate(ObjectNode tree, int version) {
    if (version >= Config.CURRENT_VERSION) {
      return version;
    }
    insertOverlayAfterWalking(tree);
    return Config.CURRENT_VERSION;
  }

  private static void insertOverlayAfterWalking(ObjectNode tree) {
    JsonNode order = tree.path(Keys.PLUGINS).path(Keys.DIFF_SERVICE).get("default");
    if (!(order instanceof ArrayNode names)) {
      return;
    }
    int walking = -1;
    for (int i = 0; i < names.size(); i++) {
      String n = names.get(i).asText();
      if (n.equals("overlay")) {
        return;
      }
      if (n.equals("walking") && walking < 0) {
        walking = i;
      }
    }
    if (walking >= 0) {
      names.insert(walking + 1, "overlay");
    }
  }
}
