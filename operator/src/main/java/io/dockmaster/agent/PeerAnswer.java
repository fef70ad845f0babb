package io.dockmaster.agent;

import java.io.InputStream;
import java.util.Optional;

/** A peer agent's answer to a GET of a blob; whoever receives it reads or closes its body. */
public record PeerAnswer(int status, Optional<String> contentRange, InputStream body) {}
