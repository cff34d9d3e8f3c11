import type { StylePreset } from '@d2v/schema';

/** Style hints per preset: words Ray responds to, plus a Luma concept key where one fits. */
export const STYLE_HINTS: Record<StylePreset, { hint: string; concept?: string }> = {
  cinematic: { hint: 'cinematic film look, anamorphic lens, shallow depth of field, dramatic lighting', concept: 'dolly_zoom' },
  anime: { hint: 'anime style, cel shading, vivid colors, expressive characters' },
  documentary: { hint: 'documentary style, natural light, handheld camera, realistic detail', concept: 'handheld' },
  vintage: { hint: 'vintage 16mm film, warm grain, faded colors' },
  dreamy: { hint: 'dreamy soft focus, pastel light, gentle glow', concept: 'crane_up' },
  noir: { hint: 'film noir, high contrast black and white, hard shadows' },
  vibrant: { hint: 'vibrant saturated colors, bright daylight, energetic motion' },
  none: { hint: '' },
};

export const QUALITY_MODIFIERS = 'high detail, smooth natural motion, coherent subject, stable camera';
