package dev.layerd.snapshots;

import dev.layerd.errdefs.InvalidArgumentException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Filters over {@link SnapshotInfo} in containerd's filter syntax, for {@link Snapshotter#walk}.
 *
 * <p>A filter is a comma-separated list of conditions that must all hold; several filters match
 * when any one does. A condition is {@code field op value} with {@code op} one of {@code ==},
 * {@code !=}, {@code ~=} (regular expression, found anywhere), or a bare field that must be
 * present and non-empty. Fields: {@code name}, {@code parent}, {@code kind} ({@code view},
 * {@code active}, {@code committed}) and {@code labels.KEY}; a key or value holding dots,
 * commas, spaces or operators is written in double quotes, with backslash escaping a quote:
 *
 * <pre>{@code
 * kind==committed
 * labels."containerd.io/snapshot.ref"==sha256:0123...
 * parent==sha256:abcd...,name~="^extract-"
 * }</pre>
 */
public final class SnapshotFilters {
  private SnapshotFilters() {}

  /** A predicate matching when any of {@code filters} matches; no filters match everything. */
  public static Predicate<SnapshotInfo> parse(String... filters) {
    if (filters.length == 0) {
      return s -> true;
    }
    Predicate<SnapshotInfo> any = s -> false;
    for (String f : filters) {
      any = any.or(parseOne(f));
    }
    return any;
  }

  private static Predicate<SnapshotInfo> parseOne(String filter) {
    Parser p = new Parser(filter);
    Predicate<SnapshotInfo> all = s -> true;
    do {
      all = all.and(p.condition());
    } while (p.comma());
    p.end();
    return all;
  }

  private static final class Parser {
    private final String text;
    private int pos;

    Parser(String text) {
      this.text = text;
    }

    Predicate<SnapshotInfo> condition() {
      skipSpace();
      String field = word();
      List<String> path = new ArrayList<>(List.of(field));
      if (field.equals("labels")) {
        if (!eat(".")) {
          throw error("expected '.' and a label key after 'labels'");
        }
        path.add(peek() == '"' ? quoted() : bare("=!~,"));
      }
      skipSpace();
      String op = eat("==") ? "==" : eat("!=") ? "!=" : eat("~=") ? "~=" : "";
      skipSpace();
      String value = op.isEmpty() ? "" : peek() == '"' ? quoted() : bare(",").strip();
      skipSpace();
      return predicate(path, op, value);
    }

    private Predicate<SnapshotInfo> predicate(List<String> path, String op, String value) {
      java.util.function.Function<SnapshotInfo, String> get =
          switch (path.getFirst()) {
            case "name" -> SnapshotInfo::name;
            case "parent" -> SnapshotInfo::parent;
            case "kind" -> s -> s.kind().name().toLowerCase(Locale.ROOT);
            case "labels" -> s -> s.labels().get(path.get(1));
            default -> throw error("unknown field '" + path.getFirst() + "'");
          };
      String want = path.getFirst().equals("kind") ? value.toLowerCase(Locale.ROOT) : value;
      return switch (op) {
        case "" -> s -> {
          String v = get.apply(s);
          return v != null && !v.isEmpty();
        };
        case "==" -> s -> want.equals(get.apply(s));
        case "!=" -> s -> !want.equals(get.apply(s));
        default -> {
          Pattern re;
          try {
            re = Pattern.compile(want);
          } catch (PatternSyntaxException e) {
            throw new InvalidArgumentException(
                "snapshot filter '" + text + "': bad regular expression " + want, e);
          }
          yield s -> {
            String v = get.apply(s);
            return v != null && re.matcher(v).find();
          };
        }
      };
    }

    boolean comma() {
      skipSpace();
      return eat(",");
    }

    void end() {
      skipSpace();
      if (pos != text.length()) {
        throw error("unexpected '" + text.substring(pos) + "'");
      }
    }

    private String word() {
      int start = pos;
      while (pos < text.length() && Character.isLetter(text.charAt(pos))) {
        pos++;
      }
      if (start == pos) {
        throw error("expected a field name");
      }
      return text.substring(start, pos);
    }

    private String bare(String stops) {
      int start = pos;
      while (pos < text.length() && stops.indexOf(text.charAt(pos)) < 0) {
        pos++;
      }
      if (start == pos && !stops.equals(",")) {
        throw error("expected a label key");
      }
      return text.substring(start, pos);
    }

    private String quoted() {
      StringBuilder b = new StringBuilder();
      pos++;
      while (pos < text.length() && text.charAt(pos) != '"') {
        char c = text.charAt(pos++);
        if (c == '\\' && pos < text.length()) {
          c = text.charAt(pos++);
        }
        b.append(c);
      }
      if (!eat("\"")) {
        throw error("unterminated quote");
      }
      return b.toString();
    }

    private char peek() {
      return pos < text.length() ? text.charAt(pos) : 0;
    }

    private boolean eat(String s) {
      if (text.startsWith(s, pos)) {
        pos += s.length();
        return true;
      }
      return false;
    }

    private void skipSpace() {
      while (pos < text.length() && text.charAt(pos) == ' ') {
        pos++;
      }
    }

    private InvalidArgumentException error(String what) {
      return new InvalidArgumentException(
          "snapshot filter '" + text + "' at offset " + pos + ": " + what);
    }
  }
}
