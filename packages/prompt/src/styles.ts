import type { StylePreset } from '@d2v/schema';

/**
 * What each preset adds: words for the video (motion allowed) and for the Photon keyframe (a still), and
 * whether the look is photographic (which decides the quality words).
 */
export interface StyleHint {
  video: string;
  image: string;
  photographic: boolean;
}

export const STYLE_HINTS: Record<StylePreset, StyleHint> = {
  cinematic: {
    video: 'Cinematic film look, anamorphic lens, shallow depth of field, dramatic lighting.',
    image: 'Cinematic film still, anamorphic lens, shallow depth of field, dramatic lighting.',
    photographic: true,
  },
  anime: {
    video: 'Anime style, cel shading, clean line art, vivid colors, expressive animation.',
    image: 'Anime illustration, cel shading, clean line art, vivid colors.',
    photographic: false,
  },
  documentary: {
    video: 'Documentary style, natural light, realistic detail, authentic moments.',
    image: 'Documentary photograph, natural light, realistic detail.',
    photographic: true,
  },
  vintage: {
    video: 'Vintage 16mm film look, warm grain, faded colors, soft vignette.',
    image: 'Vintage 16mm film frame, warm grain, faded colors, soft vignette.',
    photographic: true,
  },
  dreamy: {
    video: 'Dreamy soft focus, pastel light, gentle glow, floating motion.',
    image: 'Dreamy soft focus, pastel light, gentle glow.',
    photographic: true,
  },
  noir: {
    video: 'Film noir, high-contrast black and white, hard shadows, moody atmosphere.',
    image: 'Film noir still, high-contrast black and white, hard shadows.',
    photographic: true,
  },
  vibrant: {
    video: 'Vibrant saturated colors, bright daylight, energetic motion.',
    image: 'Vibrant saturated colors, bright daylight, crisp detail.',
    photographic: true,
  },
  none: { video: '', image: '', photographic: true },
};

/** Quality words Ray responds to: motion quality and consistency (for the video stage). */
export const VIDEO_QUALITY = 'High detail, smooth natural motion, consistent subject and lighting.';
/** Quality words for the Photon keyframe: a sharp, well-composed first frame. */
export const IMAGE_QUALITY_PHOTO = 'Photorealistic, sharp focus, high detail, balanced composition.';
export const IMAGE_QUALITY_ILLUSTRATION = 'Sharp focus, high detail, balanced composition.';
