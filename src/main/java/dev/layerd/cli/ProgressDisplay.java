package dev.layerd.cli;

import dev.layerd.unpack.LayerProgress;
import dev.layerd.unpack.LayerState;
import dev.layerd.unpack.ProgressListener;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * Shows unpack progress on stderr. On a terminal, one line per layer redrawn in place (state and
 * bytes read, at most ten redraws a second); elsewhere one quiet line when a layer is done.
 */
final class ProgressDisplay implements ProgressListener {
  private static final long REDRAW_NANOS = 100_000_000L;

  private final PrintWriter err;
  private final boolean terminal;
  private final List<LayerProgress> layers = new ArrayList<>();
  private int drawn;
  private long lastDraw;

  ProgressDisplay(PrintWriter err, boolean terminal) {
    this.err = err;
    this.terminal = terminal;
  }

  @Override
  public synchronized void update(LayerProgress p) {
    while (layers.size() <= p.index()) {
      layers.add(null);
    }
    LayerProgress before = layers.get(p.index());
    layers.set(p.index(), p);
    boolean done = p.state() == LayerState.COMMITTED || p.state() == LayerState.SKIPPED;
    if (!terminal) {
      if (done && (before == null || before.state() != p.state())) {
        err.println(line(p));
        err.flush();
      }
      return;
    }
    long now = System.nanoTime();
    boolean changed = before == null || before.state() != p.state();
    if (changed || now - lastDraw >= REDRAW_NANOS) {
      draw();
      lastDraw = now;
    }
  }

  /** Draws the final state once more (terminal only). */
  synchronized void finish() {
    if (terminal && !layers.isEmpty()) {
      draw();
    }
  }

  private void draw() {
    StringBuilder b = new StringBuilder();
    if (drawn > 0) {
      b.append("\033[").append(drawn).append('A');
    }
    for (LayerProgress p : layers) {
      b.append("\r\033[2K");
      if (p != null) {
        b.append(line(p));
      }
      b.append('\n');
    }
    drawn = layers.size();
    err.print(b);
    err.flush();
  }

  private String line(LayerProgress p) {
    String total = Output.size(p.layer().size());
    String read = Output.size(Math.min(p.bytesRead(), p.layer().size()));
    return String.format(
        java.util.Locale.ROOT,
        "layer %d %s %-9s %s / %s",
        p.index(),
        p.layer().digest().shortHex(),
        p.state().name().toLowerCase(java.util.Locale.ROOT),
        read,
        total);
  }
}
