package dev.layerd.linux;

/**
 * One name read from a directory, with the file type getdents reported ({@code DT_*}, or {@link
 * FileCalls#DT_UNKNOWN} when the filesystem does not say).
 */
public record DirEntry(String name, int type) {}
