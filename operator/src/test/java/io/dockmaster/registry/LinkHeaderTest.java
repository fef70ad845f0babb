package io.dockmaster.registry;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LinkHeaderTest {

  @Test
  void findsNextLinkAsDistributionSendsIt() {
    assertThat(TagLister.nextLink("</v2/_catalog?last=b&n=2>; rel=\"next\""))
        .contains("/v2/_catalog?last=b&n=2");
  }

  @Test
  void acceptsUnquotedAndMultiValuedRel() {
    assertThat(TagLister.nextLink("<https://r.example/v2/a/tags/list?last=x>;rel=next"))
        .contains("https://r.example/v2/a/tags/list?last=x");
    assertThat(TagLister.nextLink("</page3>; rel=\"last next\"")).contains("/page3");
  }

  @Test
  void picksNextAmongSeveralLinks() {
    assertThat(TagLister.nextLink("</first>; rel=\"first\", </second?n=1>; rel=\"next\""))
        .contains("/second?n=1");
  }

  @Test
  void noNextLink() {
    assertThat(TagLister.nextLink("</prev>; rel=\"prev\"")).isEmpty();
    assertThat(TagLister.nextLink("garbage")).isEmpty();
    assertThat(TagLister.nextLink("")).isEmpty();
  }
}
